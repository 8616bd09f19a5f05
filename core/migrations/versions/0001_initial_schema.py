"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('kind', sa.String(length=14), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_parent_id'), ['parent_id'], unique=False)

    op.create_table('category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('name_zh', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('default_unit_id', sa.Integer(), nullable=True),
    sa.Column('default_tier', sa.String(length=11), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['default_unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('household',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('head_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.ForeignKeyConstraint(['village_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_village_id'), ['village_id'], unique=False)

    op.create_table('receptionrule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('kind', sa.String(length=19), nullable=False),
    sa.Column('recurrence', sa.String(length=11), nullable=False),
    sa.Column('days', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('accompanying_units', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_unit_id'), ['unit_id'], unique=False)

    op.create_table('householdtag',
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.PrimaryKeyConstraint('household_id', 'category')
    )
    op.create_table('leader',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('duties', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('rotation_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id')
    )
    op.create_table('liaison',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('appointment_no', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('appointed_on', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id')
    )
    with op.batch_alter_table('liaison', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_liaison_station_id'), ['station_id'], unique=False)

    op.create_table('userrole',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('user_id', 'role')
    )
    op.create_table('receptionday',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('original_date', sa.Date(), nullable=False),
    sa.Column('actual_date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('moved_reason', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.Column('substitute_leader_id', sa.Integer(), nullable=True),
    sa.Column('attended_leader_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('accompanying_units', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('notice_published_at', sa.DateTime(), nullable=True),
    sa.Column('visitor_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attended_leader_id'], ['leader.id'], ),
    sa.ForeignKeyConstraint(['leader_id'], ['leader.id'], ),
    sa.ForeignKeyConstraint(['rule_id'], ['receptionrule.id'], ),
    sa.ForeignKeyConstraint(['substitute_leader_id'], ['leader.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('receptionday', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receptionday_actual_date'), ['actual_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_receptionday_rule_id'), ['rule_id'], unique=False)

    op.create_table('receptionruleleader',
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['leader_id'], ['leader.id'], ),
    sa.ForeignKeyConstraint(['rule_id'], ['receptionrule.id'], ),
    sa.PrimaryKeyConstraint('rule_id', 'leader_id')
    )
    op.create_table('case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('channel', sa.String(length=17), nullable=False),
    sa.Column('status', sa.String(length=15), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('reporter_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('reporter_phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('reporter_address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('affected_count', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('village_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('tier', sa.String(length=11), nullable=True),
    sa.Column('priority', sa.String(length=11), nullable=True),
    sa.Column('is_urgent', sa.Boolean(), nullable=False),
    sa.Column('is_major', sa.Boolean(), nullable=False),
    sa.Column('on_supervision_register', sa.Boolean(), nullable=False),
    sa.Column('liaison_id', sa.Integer(), nullable=True),
    sa.Column('owner_leader_id', sa.Integer(), nullable=True),
    sa.Column('master_case_id', sa.Integer(), nullable=True),
    sa.Column('reception_day_id', sa.Integer(), nullable=True),
    sa.Column('handling_opinion', sa.Text(), nullable=True),
    sa.Column('instruction', sa.Text(), nullable=True),
    sa.Column('result_summary', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('drafted_at', sa.DateTime(), nullable=True),
    sa.Column('dispatched_at', sa.DateTime(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('reported_at', sa.DateTime(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('fed_back_at', sa.DateTime(), nullable=True),
    sa.Column('rated_at', sa.DateTime(), nullable=True),
    sa.Column('followed_up_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('first_rating', sa.String(length=23), nullable=True),
    sa.Column('rating', sa.String(length=23), nullable=True),
    sa.Column('return_count', sa.Integer(), nullable=False),
    sa.Column('consecutive_returns', sa.Integer(), nullable=False),
    sa.Column('imported', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['liaison_id'], ['liaison.id'], ),
    sa.ForeignKeyConstraint(['master_case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['owner_leader_id'], ['leader.id'], ),
    sa.ForeignKeyConstraint(['reception_day_id'], ['receptionday.id'], ),
    sa.ForeignKeyConstraint(['township_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tracking_code')
    )
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.create_index('ix_case_category_received', ['category_id', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_liaison_id'), ['liaison_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_owner_leader_id'), ['owner_leader_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_status'), ['status'], unique=False)
        batch_op.create_index('ix_case_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_index('ix_case_township_received', ['township_id', 'received_at'], unique=False)
        batch_op.create_index('ix_case_unit_status', ['unit_id', 'status'], unique=False)

    op.create_table('case_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('actor_role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('action', sa.String(length=21), nullable=False),
    sa.Column('from_status', sa.String(length=15), nullable=True),
    sa.Column('to_status', sa.String(length=15), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('imported', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_event_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_event_case_id'), ['case_id'], unique=False)

    op.create_table('visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('visitor_id', sa.Integer(), nullable=True),
    sa.Column('visitor_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['visitor_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_visited_on'), ['visited_on'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_visited_on'))
        batch_op.drop_index(batch_op.f('ix_visit_household_id'))

    op.drop_table('visit')
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_event_case_id'))
        batch_op.drop_index(batch_op.f('ix_case_event_at'))
        batch_op.drop_index(batch_op.f('ix_case_event_action'))

    op.drop_table('case_event')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_unit_status')
        batch_op.drop_index('ix_case_township_received')
        batch_op.drop_index('ix_case_status_due')
        batch_op.drop_index(batch_op.f('ix_case_status'))
        batch_op.drop_index(batch_op.f('ix_case_received_at'))
        batch_op.drop_index(batch_op.f('ix_case_owner_leader_id'))
        batch_op.drop_index(batch_op.f('ix_case_liaison_id'))
        batch_op.drop_index('ix_case_category_received')

    op.drop_table('case')
    op.drop_table('receptionruleleader')
    with op.batch_alter_table('receptionday', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receptionday_rule_id'))
        batch_op.drop_index(batch_op.f('ix_receptionday_actual_date'))

    op.drop_table('receptionday')
    op.drop_table('userrole')
    with op.batch_alter_table('liaison', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_liaison_station_id'))

    op.drop_table('liaison')
    op.drop_table('leader')
    op.drop_table('householdtag')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_unit_id'))

    op.drop_table('user')
    op.drop_table('receptionrule')
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_village_id'))

    op.drop_table('household')
    op.drop_table('category')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_parent_id'))
        batch_op.drop_index(batch_op.f('ix_unit_name'))
        batch_op.drop_index(batch_op.f('ix_unit_kind'))

    op.drop_table('unit')
